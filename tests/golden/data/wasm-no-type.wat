;; wasm-no-type: call_indirect calls its type's dispatcher: type 1 of a module with one type has none
(module (type (func)) (table 0 funcref) (func (call_indirect (type 1) (i32.const 0))))
