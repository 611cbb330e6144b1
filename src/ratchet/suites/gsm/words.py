"""Names and things the templates draw from, so the same story comes in many surface forms."""

NAMES = (
    "Aisha", "Ben", "Carlos", "Diana", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jamal",
    "Kira", "Liam", "Mei", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Samir", "Tomas",
    "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe", "Amara", "Bruno", "Chloe", "Dev",
    "Elena", "Felix", "Gita", "Hassan", "Ivy", "Jonas", "Keiko", "Leo", "Maya", "Nadia",
    "Omar", "Pablo", "Rhea", "Sofia", "Tariq", "Valentina", "Yusuf", "Zara",
)

FRUITS = ("apples", "oranges", "pears", "peaches", "plums", "lemons", "mangoes", "apricots")
PASTRIES = ("muffins", "cupcakes", "croissants", "scones", "cookies", "bagels", "brownies")
COOKIES = ("oatmeal cookies", "sugar cookies", "ginger snaps", "shortbread biscuits", "macaroons")
GADGETS = ("bicycle", "tablet", "guitar", "skateboard", "camera", "telescope", "keyboard", "drone")
INSTRUMENTS = ("piano", "violin", "guitar", "drums", "flute", "cello", "trumpet")
SCHOOLS = ("Maple Street", "Riverside", "Hillcrest", "Oakwood", "Lakeview", "Pine Ridge")
TOYS = ("toy cars", "puzzles", "yo-yos", "kites", "board games", "teddy bears", "robot kits")
CLOTHES = ("shirts", "sweaters", "scarves", "hats", "jackets", "pairs of jeans", "pairs of socks")
DRINKS = ("coffees", "teas", "hot chocolates", "smoothies", "lemonades")
CAKES = ("carrot cake", "chocolate cake", "lemon cake", "apple pie", "cheesecake")
JUICES = ("orange juice", "apple juice", "grape juice", "lemonade", "iced tea")
STATIONERY = ("notebooks", "sketchbooks", "folders", "planners", "binders")
BAGS = ("backpack", "lunch box", "pencil case", "school bag")
RELATIVES = ("mother", "father", "aunt", "uncle", "grandmother", "grandfather")
SPORTS = ("soccer", "basketball", "volleyball", "hockey", "baseball")
CITIES = ("Lisbon", "Kyoto", "Nairobi", "Toronto", "Lima", "Oslo", "Hanoi", "Seville")
FLOORS = ("kitchen", "bathroom", "hallway", "laundry room", "porch")
CROPS = (
    {"plant": "tomato", "crop": "tomatoes"},
    {"plant": "pepper", "crop": "peppers"},
    {"plant": "cucumber", "crop": "cucumbers"},
    {"plant": "strawberry", "crop": "strawberries"},
    {"plant": "zucchini", "crop": "zucchinis"},
    {"plant": "eggplant", "crop": "eggplants"},
)
CHARITIES = ("animal shelters", "libraries", "food banks", "children's hospitals")
