\ forth-infer.fs: definitions without a stack comment get the effect their words add up to
: sq  dup * ;
: quad  sq sq ;
: sum  0 swap 0 do i + loop ;
: sign  dup 0< if drop -1 else 0> if 1 else 0 then then ;
: next7  begin 1+ dup 7 mod 0= if exit then again ;
: find5  10 0 do i 5 = if i . leave then loop ." left" ;
: halve  begin dup while dup . 2/ repeat drop ;
: down  begin dup . 1- dup 0= until drop ;
: third  2 pick ;
: two  1 2 ;
: pair@  dup @ swap cell+ @ ;
3 quad . 10 sum . -5 sign . 0 sign . 5 sign . 10 next7 . find5 cr
20 halve 3 down 7 8 9 third . . . . two . . cr
