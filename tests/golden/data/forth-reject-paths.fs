\ an EXIT and the end leave different depths: there is no one effect to infer
: f  dup 0< if exit then dup ;
