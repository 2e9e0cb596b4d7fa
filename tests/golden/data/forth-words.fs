\ forth-words: every supported word group, one line each (compare with gforth)
\ stack
1 2 3 rot . . . 1 2 swap . . 1 2 over . . . 5 dup . . 1 2 nip . 1 2 tuck . . . cr
1 2 2dup . . . . 1 2 3 4 2swap . . . . 1 2 3 4 2over . . . . . . 1 2 2drop 7 . cr
: third ( a b c -- a b c a ) 2 pick ; 1 2 3 third . . . . cr
\ arithmetic, floored as gforth
7 3 + . 7 3 - . 7 3 * . 7 3 / . 7 3 mod . -7 2 / . -7 2 mod . 7 -2 mod . -7 2 /mod . . cr
5 negate . -5 abs . 3 9 min . 3 9 max . 4 1+ . 4 1- . 6 2* . -6 2/ . cr
12 10 and . 12 10 or . 12 10 xor . 0 invert . 1 4 lshift . -1 60 rshift . cr
\ comparisons: true is -1
1 1 = . 1 2 = . 1 2 <> . 1 2 < . 1 2 > . 2 2 <= . 1 2 >= . 0 0= . -3 0< . 3 0> . -1 1 u< . 1 -1 u< . true . false . cr
\ output
42 . -42 . 42 5 .r -42 5 .r 0 3 .r -1 u. cr 72 emit 105 emit space 3 spaces ." done" cr
\ memory
variable v  5 v !  v @ .  3 v +!  v @ .  create buf 4 cells allot  9 buf 2 cells + !  buf 2 cells + @ .
here 65 c, c@ .  here 7 , @ .  1 cells .  buf cell+ buf - .  300 buf c!  buf c@ . cr
10 constant ten  ten ten * . cr
2 cells allocate throw  dup 11 swap !  dup @ .  free . cr
2 cells allocate throw  dup 11 swap !  dup cell+ 12 swap !  8 cells resize throw  dup cell+ @ .  dup @ .  free . cr
\ control
: sign-of ( n -- s ) dup 0< if drop -1 else 0> if 1 else 0 then then ;
-5 sign-of . 0 sign-of . 5 sign-of . cr
: count-down ( n -- ) begin dup . 1- dup 0= until drop ;  3 count-down cr
: halve ( n -- ) begin dup while dup . 2/ repeat drop ;  20 halve cr
: first-over ( n -- m ) begin 1+ dup 7 mod 0= if exit then again ;  10 first-over . cr
: sum ( n -- s ) 0 swap 0 do i + loop ;  10 sum . cr
: evens ( -- ) 10 0 do i . 2 +loop ;  evens cr
: offs ( -- ) 3 0 do 10 i + . i 5 + . loop ;  offs cr
: down ( -- ) 0 10 do i . -3 +loop ;  down cr
: none ( -- ) 0 0 ?do i . loop ." none" ;  none cr
: grid ( -- ) 3 1 do 3 1 do j 10 * i + . loop loop ;  grid cr
: find5 ( -- ) 10 0 do i 5 = if i . leave then loop ." left" ;  find5 cr
: rs ( a b -- a b ) >r r@ . r> ;  1 2 rs . . cr
: fact ( n -- n! ) dup 2 < if drop 1 else dup 1- recurse * then ;  10 fact . cr
: early ( -- ) 5 0 do i 2 = if unloop exit then i . loop ;  early cr
bye
this line is never read
