;; wasm-no-label: br 2 inside one block names a block outside the function: a label no body has
(module (func (block (br_if 2 (i32.const 1)))))
