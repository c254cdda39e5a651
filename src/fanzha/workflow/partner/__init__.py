"""Partner intake: banks and the administrative approval bureau push suspicious accounts."""
