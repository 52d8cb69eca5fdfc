"""The reader's widgets. They show what they are given and announce what the user did."""
