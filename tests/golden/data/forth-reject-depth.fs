\ DEPTH: how many items there are is only known at run time
: n ( -- n ) depth ;
