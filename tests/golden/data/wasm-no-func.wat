;; wasm-no-func: function 1 of a module with one function is a procedure no one defines
(module (func (call 1)))
