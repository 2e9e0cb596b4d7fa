;; wasm-bad: the verifier refuses it: the then path leaves an i32, the missing else nothing, so the
;; function can end without its i32 (the function's fence, a ref, is where its result should be)
(module
  (func (export "f") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 1)))))
