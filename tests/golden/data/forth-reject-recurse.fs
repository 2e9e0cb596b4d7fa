\ a recursive word has no effect to infer from: it needs a stack comment
: fact  dup 2 < if drop 1 else dup 1- recurse * then ;
