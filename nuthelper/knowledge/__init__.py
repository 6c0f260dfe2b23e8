"""What nut-helper knows: cables, NUT's hardware list, genericups types, USB ids."""
