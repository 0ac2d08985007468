"""The public pages: the map and lookup, registration, joining, the waiting list, the beheerder's links, posters."""
