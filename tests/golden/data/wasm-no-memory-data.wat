;; wasm-no-memory-data: an empty data segment still names memory 0
(module (data (i32.const 0)))
