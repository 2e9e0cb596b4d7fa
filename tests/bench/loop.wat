;; loop.wat: a counted loop in WebAssembly summing i*i mod 7 for i < 10^7:
;; 29931892, i*i wrapping at 32 bits (see fib.wat for how `make bench` runs it).
(module
  (func (export "main") (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 10000000)))
        (local.set $s (i32.add (local.get $s) (i32.rem_u (i32.mul (local.get $i) (local.get $i)) (i32.const 7))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s)))
