\ PICK with a computed index: which item it copies is only known at run time
: nth ( a b n -- a b x ) 1+ pick ;
