: over-the-top ( -- ) 5 throw ;
over-the-top
