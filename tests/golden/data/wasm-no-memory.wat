;; wasm-no-memory: a module without a memory has no procedure that names one
(module (func (drop (i32.load offset=4 (i32.const 0)))))
