\ forth-bad.fs: the second word's stack comment is wrong, so the file defines nothing (not even ok1, nor k)
: ok1 ( a -- b ) 1+ ;
9 constant k
: twice ( a -- b ) dup dup + ;
