;; 13-outside: the block's i32.eqz takes the 7 pushed before the block
(module
  (func (export "f") (result i32)
    (i32.const 7)
    (block (result i32) (i32.eqz))))
