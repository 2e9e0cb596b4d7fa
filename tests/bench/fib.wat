;; fib.wat: naive doubly-recursive Fibonacci in WebAssembly, fib(30) = 832040.
;; `make bench` runs "main" on XVM (xvm-repl, :load over wasm-machine) and on
;; wabt's wasm-interp (section wasm of tests/bench/sections.sh).
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "main") (result i32) (call $fib (i32.const 30))))
