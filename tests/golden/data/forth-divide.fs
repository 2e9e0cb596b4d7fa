\ forth-divide: / and MOD by a positive literal are inlined (a shift or a mask for a power of two),
\ by anything else they are forth-machine's floored fdiv and fmod; both must print what gforth prints
: lits ( a -- ) dup 7 mod . dup 7 / . dup 8 mod . dup 8 / . dup 1 mod . dup 1 / . dup 3 / . 3 mod . ;
: gen ( a -- ) dup -7 mod . dup -7 / . 8 swap mod . ;
-9223372036854775808 lits cr -9223372036854775807 lits cr -15 lits cr -14 lits cr -1 lits cr 0 lits cr 15 lits cr
9223372036854775807 lits cr -15 gen cr 15 gen cr
\ comparisons tested by IF, WHILE and UNTIL keep Forth's flags everywhere else
: cmp ( a b -- ) 2dup < if ." lt " then 2dup = if ." eq " then 2dup > 0= if ." ngt " then 2drop ;
1 2 cmp 2 2 cmp 3 2 cmp  1 2 < . 2 1 < . cr
: down ( n -- ) begin 1- dup 0< until . ;  5 down
: ups ( n -- ) begin dup 10 < while 3 + repeat . ;  4 ups cr
bye
