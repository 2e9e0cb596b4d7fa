: checked ( ior -- ) throw ;
0 checked 3 . cr
-59 checked
