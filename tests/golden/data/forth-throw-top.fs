1 . 0 throw 2 . cr
1 cells allocate throw free throw 4 . cr
\ u< in a test: an unsigned compare before the branch (once crashed the compiler's fusion)
: below ( a b -- f ) u< if 1 else 0 then ;
1 -1 below . -1 1 below . 2 2 below . cr
-1 60 rshift . 1 0 rshift . cr
-3 throw
