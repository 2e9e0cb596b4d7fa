\ 12-bad.fs: a word whose body does not do what its stack comment says
: average ( a b -- avg ) + 2 / dup ;
