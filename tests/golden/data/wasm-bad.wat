;; wasm-bad: the verifier refuses it: the then path leaves an i32, the missing else nothing
(module
  (func (export "f") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 1)))))
