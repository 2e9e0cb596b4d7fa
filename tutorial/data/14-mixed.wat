;; 14-mixed.wat: an i64 where an i32 belongs.  i64.extend_i32_u makes an
;; i64, and i32.add wants two i32s: the verifier refuses i32_add.
(module
  (func (export "widen") (param $x i32) (result i32)
    (i32.add (local.get $x) (i64.extend_i32_u (local.get $x)))))
