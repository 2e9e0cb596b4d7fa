: d ( a -- a a ) ?dup ;
