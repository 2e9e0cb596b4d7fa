;; 13-math: a WebAssembly module for lesson 13
(module
  (func (export "gcd") (param $a i64) (param $b i64) (result i64)
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $b)))
        (local.get $b)
        (local.set $b (i64.rem_u (local.get $a) (local.get $b)))
        (local.set $a)
        (br $next)))
    (local.get $a))
  (func (export "wrap") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "half") (param i32) (result i32)
    (i32.div_s (local.get 0) (i32.const 2))))
