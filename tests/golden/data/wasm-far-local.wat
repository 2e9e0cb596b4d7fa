;; wasm-far-local: a local index no stack reaches: XVM refuses the place's immediate
(module (func (local i32) (local.set 714324343 (i32.const 0))))
