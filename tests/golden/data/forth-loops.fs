\ forth-loops: +LOOP steps known and computed, up and down, across zero and past the limit (compare with gforth)
: up ( step -- ) 10 0 do i . dup +loop drop ;
: down ( step -- ) -10 10 do i . dup +loop drop ;
1 up cr 3 up cr 4 up cr 20 up cr -1 down cr -3 down cr -7 down cr -25 down cr
: lit-up ( -- ) 10 0 do i . 3 +loop ;  : lit-down ( -- ) -10 10 do i . -4 +loop ;  : lit-one ( -- ) 3 0 do i . 1 +loop ;
lit-up cr lit-down cr lit-one cr
: across ( -- ) 5 -5 do i . 2 +loop  -6 4 do i . -3 +loop ;  across cr
: exact ( -- ) 9 0 do i . 3 +loop  0 9 do i . -3 +loop ;  exact cr
: once ( step -- ) 0 1 ?do i . dup +loop drop ;  -1 once -5 once cr
: nested ( -- ) 3 0 do 6 0 do j 10 * i + . 2 +loop loop ;  nested cr
: far ( -- ) $7ffffffffffffffd $7ffffffffffffff0 do i $7ffffffffffffff0 - . 4 +loop ;  far cr
: leaves ( -- ) 100 0 do i 7 > if leave then i . 3 +loop ." out" ;  leaves cr
bye
