: guarded ( xt -- ior ) catch ;
