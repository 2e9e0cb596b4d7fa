;; wasm-underflow: the block's i32.eqz takes its operand from outside the block; the block's fence, a ref, meets i32_eqz
(module
  (func (export "g") (result i32)
    (i32.const 1)
    (block (result i32) (i32.eqz))
    (drop)))
