\ forth-lib.fs: words for XVM code to call (tests/golden/forth-load.xvm)
: square ( n -- n*n ) dup * ;
: cube ( n -- n^3 ) dup square * ;
: 2+ ( n -- n+2 ) 2 + ;
: hello ( -- ) ." hello from Forth" cr ;
100 constant hundred
variable counter  7 counter !
create table  3 , 5 , 8 ,
: bump ( -- ) 1 counter +! ;
