\ forth-trap.fs: a trap inside forth-machine is reported at the Forth call it happened under
: f ( a -- b ) @ ;
: g ( -- ) ." before " -8 f . ;
g
