\ branches that leave different depths
: g ( a -- b ) dup if 1 then ;
