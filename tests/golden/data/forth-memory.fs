\ forth-memory: bytes of a cell, ALLOCATE of known and computed sizes, folded literals (compare with gforth)
variable v  $1122334455667788 v !
v c@ .  v 3 + c@ .  v 7 + c@ .  $ab v 2 + c!  v @ .  v 2 + c@ . cr
create bytes 10 allot
: fill-bytes ( -- ) 10 0 do i 3 * bytes i + c! loop ;
: sum-bytes ( -- s ) 0 10 0 do bytes i + c@ + loop ;
fill-bytes sum-bytes . cr
: cells-for ( n -- a ) cells allocate throw ;
3 cells-for dup 7 swap ! dup @ . free throw  3 cells-for 9 over 2 cells + ! dup 2 cells + @ . free . cr
0 allocate throw 5 over ! @ .  100 cells allocate throw 6 over 99 cells + ! 99 cells + @ .  100 cells-for 8 over ! @ . cr
2 3 + 4 * 1- . 5 cells cell+ . 1 invert negate . 7 2* 2* . 12 10 xor 1+ . 6 3 and 4 or . $ff chars char+ . cr
bye
