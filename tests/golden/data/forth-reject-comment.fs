\ a definition that breaks its stack comment is rejected when defined
: ok ( a -- b ) 1+ ;
: f ( a -- b ) dup ;
5 f .
