"""Name, street and code vocabularies for the synthetic force.

Everything here was written for this project from general knowledge of common British
names; no list is taken from a register of real people, and no combination of name, date of
birth and address in the generated data belongs to a real person. Common names are used on
purpose: collisions between different people with the same name are what makes entity
resolution hard in real police data.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words, first occurrence kept (lists are typed by hand)."""
    return tuple(dict.fromkeys(text.split()))


FEMALE_FORENAMES: tuple[str, ...] = _words(
    """
    Abigail Ada Adele Agnes Aimee Alana Alexandra Alice Alicia Alison Amanda Amber Amelia Amy
    Andrea Angela Anita Ann Anna Anne Annette Antonia April Ava Barbara Beatrice Becky Belinda
    Beth Bethany Beverley Bonnie Brenda Bridget Brooke Caitlin Carly Carmen Carol Caroline Carys
    Catherine Charlotte Chelsea Cheryl Chloe Christine Claire Clara Colette Courtney Chantelle
    Dawn Debbie Deborah Demi Denise Diane Donna Dorothy Eden Elaine Eleanor Elizabeth Ella
    Ellie Eloise Emily Emma Erin Esther Eva Evie Faye Fiona Florence Frances Freya Gail Gemma
    Georgia Georgina Gillian Gina Grace Hannah Harriet Hayley Hazel Heather Helen Holly Imogen
    Isabel Isabella Isla Jacqueline Jade Jane Janet Janice Jasmine Jayne Jean Jennifer Jessica
    Jill Joanne Jodie Josephine Joy Joyce Judith Julia Julie June Karen Kate Katherine Kathleen
    Katie Kayleigh Keeley Kelly Kerry Kim Kirsty Laura Lauren Layla Leah Leanne Lesley Lily
    Linda Lindsay Lisa Liz Lorraine Louise Lucy Lydia Lynn Lynne Maisie Mandy Margaret Maria
    Marie Marion Martha Mary Maureen Megan Melanie Melissa Mia Michelle Millie Molly Monica
    Nadia Naomi Natalie Natasha Nicola Niamh Nina Olivia Paige Pamela Patricia Paula Pauline
    Penny Philippa Phoebe Poppy Rachel Rebecca Rhiannon Rita Robyn Rosa Rose Rosie Ruby Ruth
    Sadie Samantha Sandra Sara Sarah Scarlett Shannon Sharon Sheila Shelley Sian Sophie Stacey
    Stephanie Susan Suzanne Tanya Tara Teresa Tina Toni Tracey Valerie Vanessa Victoria Wendy
    Yasmin Yvonne Zara Zoe Aisha Amira Fatima Layla Maryam Noor Priya Sana Shabana Zainab
    Agata Joanna Katarzyna Magdalena Aleksandra Ioana Andreea Precious Blessing Chiamaka
    """
)

MALE_FORENAMES: tuple[str, ...] = _words(
    """
    Aaron Adam Adrian Aidan Alan Albert Alex Alexander Alfie Andrew Anthony Archie Arthur
    Ashley Barry Ben Benjamin Bernard Bradley Brandon Brian Callum Calvin Cameron Carl Charles
    Charlie Chris Christian Christopher Clive Colin Connor Craig Curtis Daniel Darren David
    Dean Declan Dennis Derek Dominic Donald Douglas Dylan Edward Elliot Eric Ethan Eugene Evan
    Finley Francis Frank Fraser Gareth Gary Gavin Geoffrey George Gerald Glen Gordon Graham
    Grant Gregory Harley Harrison Harry Harvey Hayden Henry Howard Hugh Ian Isaac Jack Jackson
    Jacob Jake James Jamie Jason Jay Jeffrey Jeremy Jerome Joel John Jonathan Jordan Joseph
    Joshua Jude Julian Justin Kai Karl Keith Kelvin Kenneth Kevin Kieran Kyle Lee Leo Leon
    Leonard Lewis Liam Logan Louis Luke Malcolm Mark Martin Mason Matthew Max Michael Mitchell
    Morgan Nathan Neil Nicholas Nigel Noah Oliver Oscar Owen Patrick Paul Peter Philip Ralph
    Raymond Reece Richard Ricky Robert Robbie Roger Ronald Ross Roy Russell Ryan Samuel Scott
    Sean Sebastian Shane Shaun Simon Spencer Stanley Stephen Steven Stuart Terence Theo Thomas
    Timothy Toby Todd Tom Tony Travis Trevor Troy Tyler Tyrone Vincent Wayne Wesley William
    Zach Ahmed Ali Amir Bilal Hassan Imran Kamran Mohammed Omar Rashid Tariq Usman Yusuf
    Arjun Deepak Rajesh Sanjay Vikram Jakub Krzysztof Lukasz Marek Piotr Tomasz Andrei Bogdan
    Mihai Emeka Kwame Olu Tunde Marcus Dwayne Delroy Jermaine Leroy Nathaniel Reuben Rhys Gethin
    Dafydd Ewan Hamish Angus Ruairi Cian Padraig Seamus
    """
)

SURNAMES: tuple[str, ...] = _words(
    """
    Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans
    Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason
    Mitchell Rose Davis Rodriguez Cox Alexander Morris Turner Cooper Hill Ward Morgan Harris
    Clark Lee King Baker Allen Young Scott Moore Edwards Hughes Martin Campbell Anderson Kelly
    Stewart Bell Murphy Parker Price Bennett Griffiths Carter Harrison Graham Shaw Richardson
    Watson Collins Marshall Lloyd Holmes Ellis Rogers Fisher Gibson Saunders Chapman Palmer
    Mills Foster Pearson Gray Hunt Jenkins Stevens Butler Barnes Russell Webb Dixon Grant
    Knight Ferguson Payne Reid Cole Simpson Murray Wells Ross Matthews Owen Burton Harvey
    Spencer Porter Hudson Fletcher Dawson Kennedy Armstrong Gordon Hunter Reynolds Ryan
    Atkinson Lawrence Henderson Hamilton Mcdonald Woods Day Berry Marsh Fox Ball Hart Lambert
    Bailey Kaur Singh Ali Hussain Ahmed Begum Akhtar Rahman Iqbal Sharma Mistry Shah Nowak
    Kowalski Wisniewski Popescu Ionescu Okafor Adeyemi Mensah Boateng Francis Barker Bates
    Black Booth Bradley Burns Byrne Carr Chambers Charlton Coleman Connolly Cook Craig Cross
    Cunningham Curtis Dale Daly Dean Doherty Douglas Duffy Duncan Dunn Elliott Farrell Field
    Fleming Ford Fraser Gallagher Gardner George Gill Goodwin Gough Hale Hancock Hardy Hayes
    Heath Hewitt Higgins Hobbs Holland Holt Hopkins Horton Howard Howe Hurst Hutchinson Irving
    Jarvis Johnston Jordan Kay Kemp Kirk Knowles Lamb Lane Law Lowe Lynch Macdonald Mann Marsden
    Mcgregor Mckenzie Miller Milne Moran Morrison Moss Naylor Newman Nicholson Norris Oliver
    Osborne Page Parkinson Parsons Peacock Perry Potter Powell Pratt Preston Quinn Randall Rees
    Rhodes Riley Robson Rowe Sharp Sheppard Short Slater Stone Sutton Swift Tate Thomas Thornton
    Todd Tucker Vaughan Wade Wallace Walsh Walton Warren Waters Watts Weston Wheeler Whitehead
    Wilkinson Willis Winter Wong Yates Abbott Ainsley Appleby Ashworth Blackburn Bramley
    Brennan Brooks Carpenter Dickinson Dobson Emery Forster Gilbert Hargreaves Hodgson
    Hollis Ingram Kerr Lindsay Maddox Metcalfe Nash Oakley Pickering Redfern Sanderson
    Stoddart Tennant Usher Varley Whitfield Yardley
    """
)

# Informal forms police systems record instead of the given name (and back).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "John": ("Jon", "Johnny", "Jonny"),
    "Jonathan": ("Jon", "Jonny"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Michael": ("Mike", "Mick", "Micky"),
    "William": ("Bill", "Will", "Billy"),
    "Robert": ("Rob", "Bob", "Robbie"),
    "Richard": ("Rich", "Rick", "Dick"),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris", "Kit"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt", "Matty"),
    "Anthony": ("Tony", "Ant"),
    "Andrew": ("Andy", "Drew"),
    "David": ("Dave", "Davey"),
    "Stephen": ("Steve", "Steven"),
    "Steven": ("Steve", "Stephen"),
    "Joseph": ("Joe", "Joey"),
    "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben", "Benny"),
    "Alexander": ("Alex", "Sandy"),
    "Nicholas": ("Nick", "Nicky"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Charles": ("Charlie", "Chas"),
    "Kenneth": ("Ken", "Kenny"),
    "Gregory": ("Greg",),
    "Timothy": ("Tim",),
    "Joshua": ("Josh",),
    "Zach": ("Zachary", "Zak"),
    "Mohammed": ("Mohammad", "Muhammad", "Mohamed"),
    "Peter": ("Pete",),
    "Philip": ("Phil", "Phillip"),
    "Patrick": ("Pat", "Paddy"),
    "Raymond": ("Ray",),
    "Leonard": ("Len", "Lenny"),
    "Terence": ("Terry", "Tel"),
    "Ronald": ("Ron", "Ronnie"),
    "Shaun": ("Sean", "Shawn"),
    "Jacob": ("Jake",),
    "Catherine": ("Cath", "Cathy", "Kate", "Katherine"),
    "Katherine": ("Kate", "Kathy", "Katie", "Catherine"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Rebecca": ("Becky", "Becca"),
    "Jennifer": ("Jen", "Jenny"),
    "Samantha": ("Sam", "Sammie"),
    "Victoria": ("Vicky", "Tori"),
    "Stephanie": ("Steph",),
    "Jacqueline": ("Jackie", "Jacqui"),
    "Deborah": ("Debbie", "Deb"),
    "Patricia": ("Pat", "Trish"),
    "Susan": ("Sue", "Suzy"),
    "Christine": ("Chris", "Chrissie"),
    "Alexandra": ("Alex", "Lexi"),
    "Josephine": ("Jo", "Josie"),
    "Joanne": ("Jo", "Joanna"),
    "Nicola": ("Nicky", "Nikki"),
    "Natasha": ("Tasha",),
    "Eleanor": ("Ellie", "Nell"),
    "Abigail": ("Abbie", "Abby"),
    "Charlotte": ("Charlie", "Lottie"),
    "Isabella": ("Bella", "Izzy"),
    "Kayleigh": ("Kayley", "Kaylee"),
    "Jodie": ("Jody",),
    "Sarah": ("Sara",),
    "Lindsay": ("Lindsey",),
    "Zoe": ("Zoey",),
    "Hayley": ("Haley",),
    "Lesley": ("Leslie",),
    "Ann": ("Anne", "Annie"),
    "Fatima": ("Fatma",),
}

STREET_STEMS: tuple[str, ...] = _words(
    """
    Acacia Alder Ash Aspen Beech Birch Bramble Briar Chestnut Clover Cedar Cherry Cypress
    Elder Elm Fern Foxglove Hawthorn Hazel Heather Holly Juniper Larch Laurel Lilac Linden
    Maple Meadow Oak Orchard Pine Poplar Rowan Sycamore Thistle Willow Yew Albion Ashby
    Beacon Bellview Blackthorn Brookside Castle Chapel Church Colliery Coronation Dale
    Derwent Eastfield Fairfield Forge Garden Glebe Grange Greenbank Harbour Heath Highfield
    Hillside Jubilee Kingsway Lakeside Lime Mill Moor Northgate Park Quarry Queensway Railway
    Riverside Rosebank School Southfield Springfield Station Tannery Valley Victoria Westfield
    Wharf Windmill Woodland
    """
)

STREET_SUFFIXES: tuple[str, ...] = (
    "Road", "Street", "Avenue", "Close", "Lane", "Terrace", "Gardens", "Way", "Crescent",
    "Drive", "Court", "Place", "Grove", "View",
)

# Abbreviations officers type for the suffix; used to vary addresses between records.
SUFFIX_ABBREVIATIONS: dict[str, str] = {
    "Road": "Rd", "Street": "St", "Avenue": "Ave", "Close": "Cl", "Lane": "Ln",
    "Terrace": "Terr", "Gardens": "Gdns", "Crescent": "Cres", "Drive": "Dr", "Court": "Ct",
    "Place": "Pl", "Grove": "Gr",
}

# Postcode areas of the fictional force: the format is realistic, the units are random.
POSTCODE_AREAS: tuple[str, ...] = ("NE", "SR", "DH", "TS")
# Letters allowed in the inward code's last two characters (the real rule excludes CIKMOV).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Self-defined ethnicity codes (18+1 census style) with rough shares for a northern force.
ETHNICITY_CODES: tuple[str, ...] = (
    "W1", "W2", "W3", "W4", "W9", "M1", "M2", "M3", "M9", "A1", "A2", "A3", "A4", "A9",
    "B1", "B2", "B9", "O1", "O9",
)
ETHNICITY_WEIGHTS: tuple[float, ...] = (
    0.80, 0.01, 0.002, 0.003, 0.04, 0.004, 0.003, 0.005, 0.004, 0.02, 0.02, 0.015, 0.01,
    0.01, 0.01, 0.01, 0.004, 0.005, 0.02,
)
