;; an element segment's offset must be an i32
(module
  (table 1 funcref)
  (elem (i64.const 0) $f)
  (func $f))
