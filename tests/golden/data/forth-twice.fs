\ forth-twice.fs: a word defined twice in one file; code between them uses the first, as in gforth
: which ( -- n ) 1 ;
which .
: which ( -- n ) 2 ;
which . cr
