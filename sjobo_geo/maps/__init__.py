"""Interactive maps (folium) and their offline assets."""
