;; wasm-frame: locals are the slots under the function's fence, local 0 on top: params and declared locals of
;; both types, set, teed and read back (the frame is turned over at entry)
(module
  (func (export "mix") (param i32 i64 i32) (result i64) (local i64 i32)
    (local.set 3 (i64.const 100))
    (drop (local.tee 4 (i32.const 7)))
    (i64.add (i64.add (i64.extend_i32_u (local.get 0)) (i64.mul (local.get 1) (i64.const 10)))
      (i64.add (i64.extend_i32_u (i32.mul (local.get 2) (i32.const 1000)))
        (i64.add (local.get 3) (i64.extend_i32_u (local.get 4))))))
  (func (export "sub") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "four") (param i32 i32 i32 i32) (result i32)
    (i32.add (i32.add (i32.mul (local.get 0) (i32.const 1000)) (i32.mul (local.get 1) (i32.const 100)))
      (i32.add (i32.mul (local.get 2) (i32.const 10)) (local.get 3)))))
