;; wasm-no-local: local 2 is past the two params: its pick reaches under the procedure's stack
(module (func (param i32 i64) (drop (local.get 2))))
