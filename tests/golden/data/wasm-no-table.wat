;; wasm-no-table: a module without a table has no call_indirect dispatchers
(module (type (func)) (func (call_indirect (type 0) (i32.const 0))))
