\ an unknown word, with its position
: k ( a -- b )
  1+ frobnicate ;
