;; an i64 where the function's i32 result belongs
(module
  (func (export "narrow") (param $x i64) (result i32)
    (local.get $x)))
