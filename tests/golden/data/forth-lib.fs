\ forth-lib.fs: words for XVM code to call (tests/golden/forth-load.xvm)
: square ( n -- n*n ) dup * ;
: cube ( n -- n^3 ) dup square * ;
: 2+ ( n -- n+2 ) 2 + ;
: hello ( -- ) ." hello from Forth" cr ;
