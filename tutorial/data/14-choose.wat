;; 13-choose: lesson 13's exercise 2: both branches leave an i32
(module
  (func (export "choose") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.const 1))
      (else (i32.const 2)))))
