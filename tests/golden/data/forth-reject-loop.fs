\ a loop whose body changes the depth
: grow ( -- ) 5 0 do i loop ;
