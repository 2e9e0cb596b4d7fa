\ 12-words.fs: a few Forth words for lesson 12 (tutorial/12-*.xvm)
: square ( n -- n*n ) dup * ;
: cube ( n -- n^3 ) dup square * ;
: stars ( n -- ) 0 ?do 42 emit loop cr ;
: 2* ( n -- 2n ) dup + ;
