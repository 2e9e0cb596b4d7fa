;; 13-bad: choose, an if whose then branch leaves an i32 and whose else leaves none
(module
  (func (export "choose") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.const 1))
      (else))))
