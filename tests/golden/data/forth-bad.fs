\ forth-bad.fs: the second word's stack comment is wrong
: ok1 ( a -- b ) 1+ ;
: twice ( a -- b ) dup dup + ;
