;; valid: unreachable with operands over it, in a loop and in an if; each call traps "unreachable"
(module
  (func (export "plus") (result i32) (i32.add (i32.const 1) (unreachable)))
  (func (export "spin") (result i64) (loop (result i64) (i64.const 1) (unreachable)))
  (func (export "choose") (param i32) (result i32)
    (i32.const 5)
    (if (result i32) (local.get 0) (then (unreachable)) (else (i32.const 2)))
    (i32.add)))
