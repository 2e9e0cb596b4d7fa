;; the block ends only in dead code, so its i64 reaches the function's end, which wants an i32
(module
  (func (export "f") (result i32)
    (block (result i64) (select (unreachable) (unreachable) (unreachable)))))
